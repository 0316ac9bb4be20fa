import { ApiError } from '@parley/common';
import type { Readable } from 'node:stream';
import sharp, { type Metadata, type SharpOptions } from 'sharp';

/** The longest side of a thumbnail, in pixels. */
export const THUMBNAIL_SIZE = 320;
export const THUMBNAIL_CONTENT_TYPE = 'image/webp';

// No libvips operation cache: a chat server decodes each image once.
sharp.cache(false);

export interface ProcessedImage {
  width: number;
  height: number;
  /** The image re-encoded in its own format without any metadata (EXIF, GPS, XMP, ICC comments), upright. */
  file: Readable;
  thumbnail: () => Promise<Buffer>;
}

/**
 * Reads an uploaded image (a file on local disk) with sharp: its upright dimensions, a re-encoding that keeps
 * no metadata (sharp writes none unless asked) with the EXIF orientation applied to the pixels, and a WebP
 * thumbnail. `maxPixels` bounds what may be decoded (per frame times frames), against decompression bombs.
 * A file that does not decode is `validation_failed`; one over the pixel limit `payload_too_large`.
 */
export async function processImage(path: string, contentType: string, maxPixels: number): Promise<ProcessedImage> {
  const animated = contentType === 'image/gif' || contentType === 'image/webp';
  // failOn stays sharp's default ('warning'): a truncated JPEG is refused rather than padded with grey.
  const options: SharpOptions = { limitInputPixels: maxPixels, animated };
  let metadata: Metadata;
  try {
    metadata = await sharp(path, options).metadata();
  } catch (error) {
    throw imageError(error, maxPixels);
  }
  const frameHeight = metadata.pageHeight ?? metadata.height ?? 0;
  const frames = metadata.pages ?? 1;
  if ((metadata.width ?? 0) * frameHeight * frames > maxPixels) throw tooManyPixels(maxPixels);
  const turned = (metadata.orientation ?? 1) >= 5;
  const width = turned ? frameHeight : (metadata.width ?? 0);
  const height = turned ? (metadata.width ?? 0) : frameHeight;
  // Decoding errors past the header surface while `file` streams: the caller maps them with imageError.
  const upright = (metadata.orientation ?? 1) > 1 ? sharp(path, options).rotate() : sharp(path, options);
  const file =
    contentType === 'image/png'
      ? upright.png()
      : contentType === 'image/jpeg'
        ? upright.jpeg({ quality: 90 })
        : contentType === 'image/gif'
          ? upright.gif()
          : upright.webp({ quality: 90 });
  return {
    width,
    height,
    file,
    thumbnail: () =>
      sharp(path, { limitInputPixels: maxPixels })
        .rotate()
        .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer(),
  };
}

function tooManyPixels(maxPixels: number): ApiError {
  return new ApiError('payload_too_large', `The image has more than ${maxPixels} pixels`);
}

/** An error of sharp as the contract's: over the pixel limit, or not decodable. */
export function imageError(error: unknown, maxPixels: number): ApiError {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) return tooManyPixels(maxPixels);
  return ApiError.validation('The file looks like an image but cannot be read (damaged or truncated)', { file: ['the image cannot be decoded'] });
}
