import { parseEnv, type Env } from './env.schema.js';
import { resolveKeys, type KeyMaterial } from './keys.js';

/** The validated configuration of the whole service, injected as a value (see ConfigModule). */
export class AppConfig {
  constructor(
    readonly env: Env,
    readonly keys: KeyMaterial,
  ) {}

  static load(source: Record<string, string | undefined> = process.env): AppConfig {
    const env = parseEnv(source);
    return new AppConfig(env, resolveKeys(env));
  }
}
