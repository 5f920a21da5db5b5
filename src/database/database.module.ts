import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DatabaseProbe } from './probe.js';

/** Provides the runtime DataSource (already initialised by bootstrap) and the health probe to every module. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(dataSource: DataSource, probe: DatabaseProbe): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: DatabaseProbe, useValue: probe },
      ],
      exports: [DataSource, DatabaseProbe],
    };
  }
}
