import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AppConfig } from '@parley/config';
import type { RateLimitDecision, RateLimitStore } from './rate-limit';
import { HttpRateLimitGuard, RateLimit } from './rate-limit.guard';
import { fake, rejection } from '../../../test/support/unit';

const config = { authRateLimitPerMinute: 5, httpRateLimitPerMinute: 100 } as AppConfig;

class PlainController {
  list(): void {}
}

@RateLimit('auth')
class AuthController {
  login(): void {}

  @RateLimit('default')
  me(): void {}
}

class MixedController {
  @RateLimit('auth')
  register(): void {}
}

function fakeContext(options: { type?: string; ip?: string; handler?: () => void; cls?: object }): ExecutionContext {
  const request = { ip: options.ip };
  return {
    getType: () => options.type ?? 'http',
    getHandler: () => options.handler ?? PlainController.prototype.list,
    getClass: () => options.cls ?? PlainController,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

function fakeStore(decision: RateLimitDecision = { allowed: true, retryAfterMs: 0 }): { store: RateLimitStore; hit: jest.Mock } {
  const hit = jest.fn().mockResolvedValue(decision);
  return { store: { hit }, hit };
}

describe('HttpRateLimitGuard', () => {
  it.each(['ws', 'rpc'])('lets a %s context through without counting', async (type) => {
    const { store, hit } = fakeStore({ allowed: false, retryAfterMs: 1000 });
    const reflector = { getAllAndOverride: jest.fn() };
    const guard = new HttpRateLimitGuard(fake<Reflector>(reflector), store, config);
    await expect(guard.canActivate(fakeContext({ type }))).resolves.toBe(true);
    expect(hit).not.toHaveBeenCalled();
    expect(reflector.getAllAndOverride).not.toHaveBeenCalled();
  });

  it('asks the reflector for the bucket on the handler, then the class', async () => {
    const { store } = fakeStore();
    const reflector = { getAllAndOverride: jest.fn().mockReturnValue(undefined) };
    const guard = new HttpRateLimitGuard(fake<Reflector>(reflector), store, config);
    await guard.canActivate(fakeContext({ ip: '1.1.1.1' }));
    expect(reflector.getAllAndOverride).toHaveBeenCalledWith('parley:rate-limit-bucket', [PlainController.prototype.list, PlainController]);
  });

  it('counts the default bucket per IP with httpRateLimitPerMinute over one minute', async () => {
    const { store, hit } = fakeStore();
    const guard = new HttpRateLimitGuard(new Reflector(), store, config);
    await expect(guard.canActivate(fakeContext({ ip: '10.0.0.1' }))).resolves.toBe(true);
    expect(hit).toHaveBeenCalledWith('http:default:10.0.0.1', 100, 60_000);
  });

  it('counts the auth bucket with authRateLimitPerMinute (class decorator)', async () => {
    const { store, hit } = fakeStore();
    const guard = new HttpRateLimitGuard(new Reflector(), store, config);
    await guard.canActivate(fakeContext({ ip: '10.0.0.2', handler: AuthController.prototype.login, cls: AuthController }));
    expect(hit).toHaveBeenCalledWith('http:auth:10.0.0.2', 5, 60_000);
  });

  it('lets a method decorator override the class bucket', async () => {
    const { store, hit } = fakeStore();
    const guard = new HttpRateLimitGuard(new Reflector(), store, config);
    await guard.canActivate(fakeContext({ ip: '10.0.0.3', handler: AuthController.prototype.me, cls: AuthController }));
    expect(hit).toHaveBeenCalledWith('http:default:10.0.0.3', 100, 60_000);
    await guard.canActivate(fakeContext({ ip: '10.0.0.3', handler: MixedController.prototype.register, cls: MixedController }));
    expect(hit).toHaveBeenLastCalledWith('http:auth:10.0.0.3', 5, 60_000);
  });

  it('counts requests without a known IP under "unknown"', async () => {
    const { store, hit } = fakeStore();
    await new HttpRateLimitGuard(new Reflector(), store, config).canActivate(fakeContext({}));
    expect(hit).toHaveBeenCalledWith('http:default:unknown', 100, 60_000);
  });

  it.each([
    [1500, 2],
    [60_000, 60],
    [1, 1],
    [2000, 2],
  ])('refuses with rate_limited, retryAfterMs %d → Retry-After %d s (rounded up)', async (retryAfterMs, seconds) => {
    const { store } = fakeStore({ allowed: false, retryAfterMs });
    const guard = new HttpRateLimitGuard(new Reflector(), store, config);
    const error = await rejection(guard.canActivate(fakeContext({ ip: '10.0.0.4' })));
    expect(error.code).toBe('rate_limited');
    expect(error.status).toBe(429);
    expect(error.retryAfterSeconds).toBe(seconds);
  });

  it('propagates a store failure', async () => {
    const store = fake<RateLimitStore>({ hit: jest.fn().mockRejectedValue(new Error('redis down')) });
    const guard = new HttpRateLimitGuard(new Reflector(), store, config);
    await expect(guard.canActivate(fakeContext({ ip: '10.0.0.5' }))).rejects.toThrow('redis down');
  });
});
