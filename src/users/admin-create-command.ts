import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { createLogger } from '../common/logging.js';
import { StartupError } from '../common/startup-error.js';
import { runCommand } from '../config/command.js';
import { openDatabase } from '../database/open-database.js';
import { ENTITIES } from '../entities.js';
import { UsersService } from './users.service.js';

/**
 * The password: ADMIN_PASSWORD, else the first line of standard input (typed without echo on a terminal).
 * Never a command-line argument, which `ps` and shell histories would show.
 */
async function readPassword(): Promise<string> {
  const fromEnv = process.env.ADMIN_PASSWORD;
  if (fromEnv) return fromEnv;
  const stdin = process.stdin;
  if (stdin.isTTY) process.stderr.write('Password for the new admin (not shown): ');
  return new Promise((resolve, reject) => {
    let text = '';
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    const done = (value: string) => {
      if (stdin.isTTY) {
        stdin.setRawMode(false);
        process.stderr.write('\n');
      }
      stdin.pause();
      stdin.removeAllListeners('data');
      resolve(value);
    };
    stdin.on('data', (chunk: string) => {
      for (const char of chunk) {
        if (char === '\u0003') reject(new StartupError('cancelled'));
        else if (char === '\n' || char === '\r' || char === '\u0004') return done(text);
        else if (char === '\u007f') text = text.slice(0, -1);
        else text += char;
      }
    });
    stdin.on('end', () => done(text));
  });
}

/**
 * `npm run admin:create`: creates the first admin of a fresh database (ADMIN_USERNAME, default
 * BOOTSTRAP_ADMIN_USERNAME), through the same service and audit trail as the API. Refuses when an admin exists.
 */
runCommand('admin:create', async (config) => {
  const logger = createLogger({ level: config.env.LOG_LEVEL === 'info' ? 'warn' : config.env.LOG_LEVEL });
  const username = process.env.ADMIN_USERNAME?.trim() || config.env.BOOTSTRAP_ADMIN_USERNAME;
  const password = await readPassword();
  if (password.length < 12) throw new StartupError('the password needs at least 12 characters');
  const database = await openDatabase(config.env, logger, ENTITIES);
  try {
    const [row] = (await database.dataSource.query(
      `SELECT count(*)::int AS admins FROM users WHERE role = 'admin'`,
    )) as { admins: number }[];
    if (row.admins > 0) {
      throw new StartupError('an admin account already exists: create further users through the API');
    }
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, database), {
      logger: false,
    });
    try {
      await app.get(UsersService).ensureBootstrapAdmin(username, password);
    } finally {
      await app.close();
    }
    process.stdout.write(`admin account "${username}" created\n`);
  } finally {
    await database.close();
  }
});
