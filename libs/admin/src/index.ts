export { AdminModule } from './admin.module';
export { MessageRate } from './message-rate';
