export { AuthModule } from './auth.module';
export { AuthService } from './auth.service';
export { Sessions, isRevoked, type SessionRevocation } from './sessions';
export { TokenService } from './token.service';
