import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { DatabaseProbe } from '../database/probe.js';

/** Terminus indicators over the database probe (its own connections, bounded by a short timeout). */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly probe: DatabaseProbe,
    private readonly health: HealthIndicatorService,
  ) {}

  async reachable(): Promise<HealthIndicatorResult<'db'>> {
    const indicator = this.health.check('db');
    try {
      await this.probe.ping();
      return indicator.up();
    } catch {
      return indicator.down();
    }
  }

  async migrated(): Promise<HealthIndicatorResult<'migrations'>> {
    const indicator = this.health.check('migrations');
    try {
      const pending = await this.probe.pendingMigrations();
      return pending.length === 0 ? indicator.up() : indicator.down({ pending: pending.length });
    } catch {
      return indicator.down();
    }
  }
}
