/**
 * HTTP adapter benchmark: Nest on Fastify vs Nest on Express for a trivial JSON route. The load comes from
 * autocannon in a separate process (16 connections, 5 s, after a warm-up), so the client does not share
 * the server's event loop. Run `npm run bench:adapter`; results are appended to bench/results/adapter.md.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';

@Controller()
class PingController {
  @Get('ping')
  ping(): { ok: boolean } {
    return { ok: true };
  }
}

@Module({ controllers: [PingController] })
class PingModule {}

const CONNECTIONS = 16;
const SECONDS = 5;

/** Requests per second that autocannon (a separate process) sustains against `url`. */
async function load(url: string, seconds: number): Promise<number> {
  const { stdout: out } = await promisify(execFile)(path.resolve('node_modules/.bin/autocannon'), [
    '-c',
    String(CONNECTIONS),
    '-d',
    String(seconds),
    '-j',
    url,
  ]);
  const result = JSON.parse(out) as { requests: { average: number }; non2xx: number };
  if (result.non2xx > 0) throw new Error(`${result.non2xx} non-2xx responses`);
  return result.requests.average;
}

async function measure(name: string, create: () => Promise<INestApplication>): Promise<string> {
  const app = await create();
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}/ping`;
  await load(url, 2); // warm-up
  const rates = [await load(url, SECONDS), await load(url, SECONDS), await load(url, SECONDS)];
  await app.close();
  const best = Math.max(...rates);
  return `| ${name} | ${rates.map((r) => r.toFixed(0)).join(' / ')} | ${best.toFixed(0)} |`;
}

async function main(): Promise<void> {
  const fastify = await measure('Nest 12 + Fastify', () =>
    NestFactory.create(PingModule, new FastifyAdapter(), { logger: false }),
  );
  const express = await measure('Nest 12 + Express', () =>
    NestFactory.create(PingModule, new ExpressAdapter(), { logger: false }),
  );
  const lines = [
    `## ${new Date().toISOString()} — ${os.cpus().length} CPUs, Node ${process.version}`,
    '',
    `GET /ping (JSON), autocannon in a separate process, ${CONNECTIONS} connections, 3 runs of ${SECONDS} s after a warm-up:`,
    '',
    '| adapter | mean requests/s per run | best |',
    '|---|---|---|',
    fastify,
    express,
    '',
  ];
  const out = path.resolve('bench/results/adapter.md');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  if (!fs.existsSync(out))
    fs.writeFileSync(out, '# HTTP adapter benchmark\n\nProduced by `npm run bench:adapter`.\n\n');
  fs.appendFileSync(out, lines.join('\n') + '\n');
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
