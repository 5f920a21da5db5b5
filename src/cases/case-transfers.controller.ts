import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated } from '../auth/access.decorator.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import { uuidPipe } from '../common/uuid.pipe.js';
import { CaseTransfersService } from './case-transfers.service.js';
import {
  CreateTransferDto,
  ListTransfersQueryDto,
  TransferDto,
  TransferPageDto,
} from './dto/transfer.dto.js';

const BAD_REQUEST = { description: 'Invalid input; the message names the fields', type: ErrorResponseDto };
const LOCATION = {
  Location: { description: 'The transfer, /v1/transfers/<id>', schema: { type: 'string' } },
};

@ApiTags('transfers')
@Controller({ version: '1' })
export class CaseTransfersController {
  constructor(private readonly transfers: CaseTransfersService) {}

  @Post('cases/:id/transfers')
  @Authenticated('case.transfer.request')
  @ApiOperation({ summary: 'Ask another office to take over a case of the caller’s office' })
  @ApiCreatedResponse({ type: TransferDto, headers: LOCATION })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiNotFoundResponse({ description: 'No such case in the caller’s office', type: ErrorResponseDto })
  @ApiConflictResponse({
    description: 'The case already has a pending transfer, or is erased',
    type: ErrorResponseDto,
  })
  async request(
    @Param('id', uuidPipe) id: string,
    @Body() body: CreateTransferDto,
    @Ctx() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TransferDto> {
    const transfer = await this.transfers.request(ctx, id, body);
    void reply.header('Location', `/v1/transfers/${transfer.id}`);
    return transfer;
  }

  @Get('transfers')
  @Authenticated('case.transfer.list')
  @ApiOperation({ summary: 'Transfers to (incoming) or from (outgoing) the caller’s office, newest first' })
  @ApiOkResponse({ type: TransferPageDto })
  @ApiBadRequestResponse(BAD_REQUEST)
  list(@Query() query: ListTransfersQueryDto, @Ctx() ctx: RequestContext): Promise<TransferPageDto> {
    return this.transfers.list(ctx, query);
  }

  @Get('transfers/:id')
  @Authenticated('case.transfer.list')
  @ApiOperation({ summary: 'One transfer to or from the caller’s office' })
  @ApiOkResponse({ type: TransferDto })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiNotFoundResponse({ description: 'No such transfer for the caller’s office', type: ErrorResponseDto })
  get(@Param('id', uuidPipe) id: string, @Ctx() ctx: RequestContext): Promise<TransferDto> {
    return this.transfers.get(ctx, id);
  }

  @Post('transfers/:id/accept')
  @HttpCode(200)
  @Authenticated('case.transfer.accept')
  @ApiOperation({ summary: 'Accept a transfer to the caller’s office: the case moves here at once' })
  @ApiOkResponse({ type: TransferDto })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiNotFoundResponse({ description: 'No such transfer to the caller’s office', type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Already decided, or the case is erased', type: ErrorResponseDto })
  accept(@Param('id', uuidPipe) id: string, @Ctx() ctx: RequestContext): Promise<TransferDto> {
    return this.transfers.decide(ctx, id, 'accepted');
  }

  @Post('transfers/:id/reject')
  @HttpCode(200)
  @Authenticated('case.transfer.reject')
  @ApiOperation({ summary: 'Reject a transfer to the caller’s office: the case stays where it is' })
  @ApiOkResponse({ type: TransferDto })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiNotFoundResponse({ description: 'No such transfer to the caller’s office', type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Already decided', type: ErrorResponseDto })
  reject(@Param('id', uuidPipe) id: string, @Ctx() ctx: RequestContext): Promise<TransferDto> {
    return this.transfers.decide(ctx, id, 'rejected');
  }
}
