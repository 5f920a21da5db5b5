import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated } from '../auth/access.decorator.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import { uuidPipe } from '../common/uuid.pipe.js';
import { CreateOfficeDto, CreateUserDto, OfficeDto, UpdateUserDto, UserDto } from './dto/users.dto.js';
import { OfficesService } from './offices.service.js';
import { UsersService } from './users.service.js';

@ApiTags('admin')
@Controller({ path: 'offices', version: '1' })
export class OfficesController {
  constructor(private readonly offices: OfficesService) {}

  @Post()
  @Authenticated('office.create')
  @ApiOperation({ summary: 'Create an office' })
  @ApiCreatedResponse({ type: OfficeDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Code already used', type: ErrorResponseDto })
  create(@Body() body: CreateOfficeDto, @Ctx() ctx: RequestContext): Promise<OfficeDto> {
    return this.offices.create(ctx, body);
  }

  @Get()
  @Authenticated('office.list')
  @ApiOperation({ summary: 'List offices' })
  @ApiOkResponse({ type: [OfficeDto] })
  list(@Ctx() ctx: RequestContext): Promise<OfficeDto[]> {
    return this.offices.list(ctx);
  }
}

@ApiTags('admin')
@Controller({ path: 'users', version: '1' })
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Authenticated('user.create')
  @ApiOperation({ summary: 'Create a user' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Username taken', type: ErrorResponseDto })
  create(@Body() body: CreateUserDto, @Ctx() ctx: RequestContext): Promise<UserDto> {
    return this.users.create(ctx, body);
  }

  @Get()
  @Authenticated('user.list')
  @ApiOperation({ summary: 'List users' })
  @ApiOkResponse({ type: [UserDto] })
  list(@Ctx() ctx: RequestContext): Promise<UserDto[]> {
    return this.users.list(ctx);
  }

  @Patch(':id')
  @Authenticated('user.update')
  @ApiOperation({
    summary: 'Change role, office, approval, status or password (revokes the user’s sessions)',
  })
  @ApiOkResponse({ type: UserDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Would leave no active admin', type: ErrorResponseDto })
  update(
    @Param('id', uuidPipe) id: string,
    @Body() body: UpdateUserDto,
    @Ctx() ctx: RequestContext,
  ): Promise<UserDto> {
    return this.users.update(ctx, id, body);
  }
}
