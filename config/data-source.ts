/**
 * DataSource for the TypeORM CLI (`npm run migration:generate -- migrations/Name`), compiled to
 * dist/config/data-source.js. It needs DATABASE_URL (the owner role); start the service once with the
 * embedded database and use its URL, e.g. postgres://postgres:postgres@127.0.0.1:54329/ctr.
 */
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL must be set for the TypeORM CLI');

export default new DataSource(dataSourceOptions(url));
