import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { isUniqueViolation } from '../common/database-errors.js';
import { DomainError, notFound } from '../common/errors.js';
import type { RequestContext } from '../common/request-context.js';
import type { CreateOfficeDto, OfficeDto } from './dto/users.dto.js';
import { OfficeEntity } from './office.entity.js';

const toDto = ({ id, code, name, countryCode }: OfficeEntity): OfficeDto => ({ id, code, name, countryCode });

@Injectable()
export class OfficesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  create(ctx: RequestContext, input: CreateOfficeDto): Promise<OfficeDto> {
    return this.dataSource.transaction(async (em) => {
      const repo = em.getRepository(OfficeEntity);
      const taken = () => new DomainError('OFFICE_CODE_TAKEN', 'An office with this code already exists');
      if (await repo.existsBy({ code: input.code })) throw taken();
      // A concurrent create of the same code passes the check too; the unique index decides.
      const office = await repo.save(repo.create(input)).catch((error: unknown) => {
        throw isUniqueViolation(error, 'offices_code_key') ? taken() : error;
      });
      await this.audit.record(em, ctx, {
        action: 'office.create',
        outcome: 'allowed',
        resourceType: 'office',
        resourceId: office.id,
        details: { code: office.code },
      });
      return toDto(office);
    });
  }

  get(ctx: RequestContext, id: string): Promise<OfficeDto> {
    return this.dataSource.transaction(async (em) => {
      const office = await em.getRepository(OfficeEntity).findOneBy({ id });
      if (office === null) throw notFound('Office');
      await this.audit.record(em, ctx, {
        action: 'office.read',
        outcome: 'allowed',
        resourceType: 'office',
        resourceId: office.id,
      });
      return toDto(office);
    });
  }

  list(ctx: RequestContext): Promise<OfficeDto[]> {
    return this.dataSource.transaction(async (em) => {
      const offices = await em.getRepository(OfficeEntity).find({ order: { code: 'ASC' } });
      await this.audit.record(em, ctx, {
        action: 'office.list',
        outcome: 'allowed',
        details: { count: offices.length },
      });
      return offices.map(toDto);
    });
  }
}
