import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { OfficesService } from './offices.service.js';
import { OfficesController, UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [AuditModule, AuthModule],
  controllers: [OfficesController, UsersController],
  providers: [UsersService, OfficesService],
  exports: [UsersService],
})
export class UsersModule {}
