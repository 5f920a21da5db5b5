import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { OfficesService } from './offices.service.js';
import { EnrollmentService } from './enrollment.service.js';
import { UserApprovalsService } from './user-approvals.service.js';
import { EnrollController, OfficesController, UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [AuditModule, AuthModule],
  controllers: [OfficesController, UsersController, EnrollController],
  providers: [UsersService, OfficesService, UserApprovalsService, EnrollmentService],
  exports: [UsersService],
})
export class UsersModule {}
