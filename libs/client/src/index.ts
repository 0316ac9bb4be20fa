export { ParleyClient, type ClientEvents, type ConnectionStatus, type Notification, type ParleyClientOptions } from './client';
export { RoomHandle, type RoomEvents } from './room-handle';
export { RoomFeed } from './room-feed';
export { ParleyError } from './errors';
export { RestApi, Http, type FetchLike } from './http';
export { MemorySessionStore, WebStorageSessionStore, REFRESH_MARGIN_MS, refreshTime, sessionFrom, type Session, type SessionStore } from './session';
export { SseParser, readEventStream, type SseMessage } from './sse';
export { Emitter } from './emitter';
export type * from '@parley/contract';
