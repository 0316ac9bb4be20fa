export * from './config';
export * from './config.module';
export * from './node-flags';
export * from './trusted-proxies';
