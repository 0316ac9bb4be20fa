export { AuthModule } from './auth.module';
export { TokenService } from './token.service';
