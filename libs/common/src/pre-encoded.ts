/**
 * A value that leaves this instance several times is serialised once: a new message goes out in its
 * sender's ack, in `message:new` to the room's local sockets and through Redis to the other instances, each
 * of which splices the JSON it received instead of serialising the message again. The value must not change
 * after it was encoded (messages are never mutated once built).
 *
 * These splices are Parley's transport fast paths. One switch turns them all off (TRANSPORT_FAST_PATHS=off,
 * or the boot self-check finding that a splice differs from what the libraries would write): then
 * `preEncoded` answers undefined and every caller serialises as the libraries do.
 */
/**
 * The JSON rides on the value itself, under a non-enumerable symbol key (invisible to JSON.stringify,
 * Object.keys, for…in and deep equality): a WeakMap entry per message cost more, in the setting and in the
 * garbage collector's ephemeron work.
 */
const ENCODED: unique symbol = Symbol('parley.json');
type Encoded = { [ENCODED]?: string };

function keep(value: object, json: string): void {
  Object.defineProperty(value, ENCODED, { value: json, writable: true, configurable: true, enumerable: false });
}
let splicing = true;

export const transportFastPaths = {
  get enabled(): boolean {
    return splicing;
  },
  /** Turns every splice off for the life of the process. */
  disable(): void {
    splicing = false;
  },
};

/** The value's JSON, made on the first call and kept (while splicing is on) for the ones after. */
export function encodeOnce(value: object): string {
  let json = (value as Encoded)[ENCODED];
  if (json === undefined) {
    json = JSON.stringify(value);
    if (splicing) keep(value, json);
  }
  return json;
}

/** Records the JSON a value was parsed from (by the caller's guarantee), so it is not serialised again. */
export function adoptEncoding(value: object, json: string): void {
  if (splicing) keep(value, json);
}

/** The JSON encodeOnce made (or adoptEncoding recorded) for this value, if any and if splicing is on. */
export function preEncoded(value: unknown): string | undefined {
  return splicing && typeof value === 'object' && value !== null ? (value as Encoded)[ENCODED] : undefined;
}
