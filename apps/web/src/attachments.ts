import { ParleyError, type MessageAttachment, type MessageType, type ParleyClient } from '@parley/client';
import { openDialog } from './dialogs';
import { h, icon, replaceChildren, type Child } from './dom';
import { describeError } from './errors';
import { plural } from './format';

/** The server's limit of files per message (contract §4). */
export const MAX_ATTACHMENTS = 10;
/** Thumbnails show in a box at most this large (the server's are 320 px on the longer side). */
const THUMB_MAX_WIDTH = 320;
const THUMB_MAX_HEIGHT = 240;

/** "1.2 MB", "340 KB", "12 bytes". */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return plural(bytes, 'byte');
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit] ?? 'GB'}`;
}

/** What stands for a message's text when it has none: "Photo" or "File" (empty for other types). */
export function attachmentLabel(type: MessageType): string {
  return type === 'image' ? 'Photo' : type === 'file' ? 'File' : '';
}

/** A conversation's preview of a message with attachments: an icon, and "Photo" / "File" when it has no text. */
export function attachmentPreview(type: MessageType, text: string): Child[] {
  if (type !== 'image' && type !== 'file') return [text];
  return [icon(type === 'image' ? 'image' : 'paperclip'), text || attachmentLabel(type)];
}

interface Upload {
  file: File;
  controller: AbortController;
  chip: HTMLLIElement;
  state: 'uploading' | 'done' | 'failed';
  id: string | null;
  done: Promise<void>;
}

/**
 * The uploads waiting to go with the next message of one room (each chat view has its own, so rooms keep their
 * trays apart): an Attach button, drag-and-drop and paste add files, each uploads at once with a chip showing
 * its progress, a remove button (cancels a running upload) and the server's refusal. `take()` hands the finished
 * ones to a send.
 */
export class AttachmentTray {
  readonly element: HTMLDivElement;
  readonly button: HTMLButtonElement;
  private readonly input: HTMLInputElement;
  private readonly list = h('ul', { class: 'attachment-tray-list', 'data-testid': 'attachment-tray-list' });
  private readonly notice = h('p', { class: 'attachment-notice', role: 'status', 'data-testid': 'attachment-notice', hidden: true });
  private readonly uploads: Upload[] = [];

  constructor(
    private readonly client: ParleyClient,
    private readonly roomId: string,
  ) {
    this.input = h('input', { type: 'file', multiple: true, hidden: true, 'data-testid': 'attach-input', tabindex: -1 });
    this.input.addEventListener('change', () => {
      this.add(filesOf(this.input.files));
      this.input.value = '';
    });
    this.button = h(
      'button',
      { type: 'button', class: 'icon-button attach-button', 'data-testid': 'attach-button', 'aria-label': 'Attach files', title: 'Attach files (or drop or paste them here)' },
      icon('paperclip'),
    );
    this.button.addEventListener('click', () => this.input.click());
    this.element = h('div', { class: 'attachment-tray', 'data-testid': 'attachment-tray', hidden: true }, this.list, this.notice, this.input);
  }

  /** True while an upload is still running. */
  get busy(): boolean {
    return this.uploads.some((upload) => upload.state === 'uploading');
  }

  /** True when a send has something to take. */
  get ready(): boolean {
    return this.uploads.some((upload) => upload.state === 'done');
  }

  /** Resolves when no upload is running any more (finished, failed or removed). */
  async settled(): Promise<void> {
    while (this.busy) await Promise.all(this.uploads.map((upload) => upload.done));
  }

  setDisabled(disabled: boolean): void {
    this.button.disabled = disabled;
  }

  /** Says that a send waits for the uploads (or stops saying it). */
  setWaiting(waiting: boolean): void {
    this.showNotice(waiting ? 'Sending when the uploads finish…' : null);
  }

  /** Starts uploading files, up to the per-message limit (the rest are left out, and the tray says so). */
  add(files: File[]): void {
    if (files.length === 0 || this.button.disabled) return;
    const room = MAX_ATTACHMENTS - this.uploads.filter((upload) => upload.state !== 'failed').length;
    const taken = files.slice(0, Math.max(0, room));
    const left = files.length - taken.length;
    this.showNotice(left > 0 ? `A message takes at most ${MAX_ATTACHMENTS} files: ${left === 1 ? '1 file was' : `${left} files were`} not added.` : null);
    for (const file of taken) this.start(file);
    this.render();
  }

  /**
   * The finished uploads' ids for a send; they leave the tray (failed chips too: their error was shown).
   * `putBack` returns them to it when the send fails (an unsent upload stays usable for an hour).
   */
  take(): { ids: string[]; putBack(): void } {
    const taken = this.uploads.filter((upload) => upload.state === 'done' && upload.id !== null);
    for (const upload of this.uploads.splice(0)) {
      if (upload.state === 'uploading') this.uploads.push(upload);
      else upload.chip.remove();
    }
    this.showNotice(null);
    return {
      ids: taken.map((upload) => upload.id ?? ''),
      putBack: () => {
        const room = MAX_ATTACHMENTS - this.uploads.length;
        const back = taken.slice(0, Math.max(0, room));
        this.uploads.unshift(...back);
        this.list.prepend(...back.map((upload) => upload.chip));
        this.render();
      },
    };
  }

  /** Cancels what is running and empties the tray (the view goes away). */
  destroy(): void {
    for (const upload of this.uploads.splice(0)) upload.controller.abort();
  }

  /** Makes `target` a drop zone for files (`zone` shows while files are dragged over it) and `composer` take pasted files. */
  acceptDropsAndPastes(target: HTMLElement, zone: HTMLElement, composer: HTMLElement): void {
    let depth = 0;
    const hasFiles = (event: DragEvent): boolean => event.dataTransfer?.types.includes('Files') ?? false;
    const show = (visible: boolean): void => {
      zone.hidden = !visible;
    };
    target.addEventListener('dragenter', (event) => {
      if (!hasFiles(event) || this.button.disabled) return;
      event.preventDefault();
      depth += 1;
      show(true);
    });
    target.addEventListener('dragover', (event) => {
      if (!hasFiles(event) || this.button.disabled) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    });
    target.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) show(false);
    });
    target.addEventListener('drop', (event) => {
      depth = 0;
      show(false);
      const files = filesOf(event.dataTransfer?.files);
      if (files.length === 0) return;
      event.preventDefault();
      this.add(files);
      composer.focus();
    });
    composer.addEventListener('paste', (event) => {
      const files = filesOf(event.clipboardData?.files);
      if (files.length === 0) return;
      event.preventDefault();
      this.add(files.map((file, index) => (file.name ? file : new File([file], `pasted-${index + 1}.${file.type.split('/')[1] ?? 'bin'}`, { type: file.type }))));
    });
  }

  private start(file: File): void {
    const controller = new AbortController();
    const bar = h('progress', { class: 'attachment-progress', 'data-testid': 'attachment-progress', 'aria-label': `Uploading ${file.name}`, max: 1, value: 0 });
    const status = h('span', { class: 'attachment-status', 'data-testid': 'attachment-status' }, 'Uploading…');
    const remove = h('button', { type: 'button', class: 'icon-button small', 'data-testid': 'attachment-remove', 'aria-label': `Remove ${file.name}`, title: 'Remove' }, icon('close'));
    const chip = h(
      'li',
      { class: 'attachment-chip uploading', 'data-testid': 'attachment-chip', 'data-state': 'uploading', 'data-name': file.name },
      icon(file.type.startsWith('image/') ? 'image' : 'file'),
      h('span', { class: 'attachment-chip-text' }, h('span', { class: 'attachment-name' }, file.name), h('span', { class: 'attachment-size' }, formatSize(file.size)), status),
      bar,
      remove,
    );
    const upload: Upload = { file, controller, chip, state: 'uploading', id: null, done: Promise.resolve() };
    const settle = (state: 'done' | 'failed', text: string): void => {
      upload.state = state;
      chip.dataset.state = state;
      chip.classList.remove('uploading');
      chip.classList.toggle('failed', state === 'failed');
      status.textContent = text;
      if (state === 'failed') status.setAttribute('role', 'alert');
      bar.remove();
    };
    upload.done = this.client
      .uploadAttachment(this.roomId, file, {
        signal: controller.signal,
        onProgress: (sent, total) => {
          bar.value = total > 0 ? sent / total : 0;
        },
      })
      .then(
        (attachment) => {
          upload.id = attachment.id;
          chip.dataset.attachmentId = attachment.id;
          settle('done', 'Ready');
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          // The server's message names the limit ("larger than the limit of … bytes", "Storage quota exceeded…").
          const text = error instanceof ParleyError && error.code === 'payload_too_large' ? error.message : describeError(error, 'Not uploaded');
          settle('failed', text);
        },
      );
    remove.addEventListener('click', () => {
      controller.abort();
      const index = this.uploads.indexOf(upload);
      if (index >= 0) this.uploads.splice(index, 1);
      chip.remove();
      this.showNotice(null);
      this.render();
    });
    this.uploads.push(upload);
    this.list.appendChild(chip);
  }

  private showNotice(text: string | null): void {
    this.notice.textContent = text ?? '';
    this.notice.hidden = text === null;
    this.render();
  }

  private render(): void {
    this.element.hidden = this.uploads.length === 0 && this.notice.hidden;
  }
}

function filesOf(list: FileList | null | undefined): File[] {
  return list ? Array.from({ length: list.length }, (_, index) => list.item(index)).filter((file): file is File => file !== null) : [];
}

/** True for an attachment shown inline as a picture (an image with a thumbnail and known dimensions). */
function isInlineImage(attachment: MessageAttachment): attachment is MessageAttachment & { width: number; height: number } {
  return attachment.hasThumbnail && attachment.width !== undefined && attachment.height !== undefined && attachment.width > 0 && attachment.height > 0;
}

/**
 * A message's attachments: images as thumbnails in boxes of their final size (the list does not jump as they
 * load), a click opening them large; other files as chips with a download link. URLs are signed and short-lived:
 * asked for when shown (batched by the SDK) and again before a download.
 */
export function renderAttachments(client: ParleyClient, attachments: readonly MessageAttachment[]): HTMLElement | null {
  if (attachments.length === 0) return null;
  const images = attachments.filter(isInlineImage);
  const files = attachments.filter((attachment) => !isInlineImage(attachment));
  return h(
    'div',
    { class: 'attachments', 'data-testid': 'message-attachments' },
    images.length ? h('div', { class: 'attachment-images' }, ...images.map((image) => renderImage(client, image))) : null,
    files.length ? h('ul', { class: 'attachment-files' }, ...files.map((file) => renderFile(client, file))) : null,
  );
}

function renderImage(client: ParleyClient, image: MessageAttachment & { width: number; height: number }): HTMLButtonElement {
  const scale = Math.min(1, THUMB_MAX_WIDTH / image.width, THUMB_MAX_HEIGHT / image.height);
  const img = h('img', { alt: image.name, 'data-testid': 'attachment-thumbnail', decoding: 'async' });
  const button = h('button', { type: 'button', class: 'attachment-image', 'data-testid': 'attachment-image', 'data-attachment-id': image.id, title: image.name, 'aria-label': `Open ${image.name}` }, img);
  button.style.width = `${Math.max(48, Math.round(image.width * scale))}px`;
  button.style.aspectRatio = `${image.width} / ${image.height}`;
  client.attachmentUrls.get(image.id).then(
    (urls) => {
      if (urls) img.src = urls.thumbnailUrl ?? urls.url;
      else button.classList.add('unavailable');
    },
    () => button.classList.add('unavailable'),
  );
  img.addEventListener('error', () => button.classList.add('unavailable'));
  button.addEventListener('click', () => lightbox(client, image));
  return button;
}

function renderFile(client: ParleyClient, file: MessageAttachment): HTMLLIElement {
  const link = h(
    'a',
    { class: 'attachment-file', 'data-testid': 'attachment-file', 'data-attachment-id': file.id, download: file.name, 'aria-disabled': 'true' },
    icon('file'),
    h('span', { class: 'attachment-chip-text' }, h('span', { class: 'attachment-name' }, file.name), h('span', { class: 'attachment-size' }, formatSize(file.size))),
    icon('download'),
  );
  // Signed URLs expire: the link is renewed when it is about to be used (cached by the SDK until shortly before).
  const refresh = (): void => {
    client.attachmentUrls.get(file.id).then(
      (urls) => {
        if (urls) {
          link.href = urls.url;
          link.removeAttribute('aria-disabled');
        } else link.classList.add('unavailable');
      },
      () => undefined,
    );
  };
  refresh();
  link.addEventListener('pointerenter', refresh);
  link.addEventListener('focus', refresh);
  return h('li', {}, link);
}

/** An image large, in a modal dialog, with a download link. */
function lightbox(client: ParleyClient, image: MessageAttachment & { width: number; height: number }): void {
  const img = h('img', { class: 'lightbox-image', 'data-testid': 'lightbox-image', alt: image.name, width: image.width, height: image.height });
  const download = h('a', { class: 'button secondary small', 'data-testid': 'lightbox-download', download: image.name }, icon('download'), h('span', { class: 'label' }, 'Download'));
  const dialog = openDialog(image.name, 'lightbox', h('div', { class: 'lightbox-frame' }, img), h('div', { class: 'dialog-actions' }, h('span', { class: 'attachment-size' }, `${image.width} × ${image.height} · ${formatSize(image.size)}`), download));
  dialog.dialog.classList.add('lightbox');
  client.attachmentUrls.get(image.id).then(
    (urls) => {
      if (!urls) return dialog.setError('This image is no longer available.');
      img.src = urls.url;
      download.href = urls.url;
    },
    (error: unknown) => dialog.setError(describeError(error, 'Could not load the image')),
  );
}

/** A dashed overlay over the chat while files are dragged onto it. */
export function dropZone(): HTMLDivElement {
  return h('div', { class: 'drop-zone', 'data-testid': 'drop-zone', hidden: true }, h('div', { class: 'drop-zone-inner' }, icon('paperclip'), h('span', {}, 'Drop files to attach them')));
}

/** Replaces a container's children with the attachments of a message (none for a deleted one). */
export function replaceAttachments(container: HTMLElement, client: ParleyClient, attachments: readonly MessageAttachment[] | undefined): void {
  replaceChildren(container, attachments?.length ? renderAttachments(client, attachments) : null);
}
