export * from './database.module';
export * from './embedded-postgres';
export * from './migrate';
export { MIGRATIONS } from './migrations';
export * from './postgres';
