export * from './objects';
export * from './errors';
export * from './socket-events';
export * from './notifications';
