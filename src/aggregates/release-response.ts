import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AggregateAnswerDto } from './dto/aggregate-answer.dto.js';
import type { RenderedDocument } from './release-documents.service.js';

const CSV_EXAMPLE = [
  '# Aggregate answer 0b7f5c8e-8d4f-4c3b-9a57-5a1f0d6c2e11 (counts of cases with consent to research use that are not erased)',
  '# Counts are of cases with consent to research use that are not erased, ...',
  '# manifest: {"algorithm":"Ed25519",...}',
  'part,citizenshipSubregion,citizenshipSubregionName,yearOfRegistration,count,status,lower95,upper95',
  'cell,035,South-eastern Asia,2021,412,released,392,432',
  'cell,035,South-eastern Asia,2022,,suppressed,,',
  'cell,053,Australia and New Zealand,2021,,fewer_than_k,,',
  'margin,035,South-eastern Asia,,801,released,781,821',
  'total,,,,1778,released,1758,1798',
  '',
].join('\r\n');

/** The 200 of an answer: JSON (the signed release document) or the tidy CSV of the same release. */
export const ApiAnswerResponse = () =>
  applyDecorators(
    ApiOkResponse({
      description:
        'The answer as a signed release document (canonical JSON: keys sorted, no whitespace; verify offline ' +
        'with `npm run release:verify`). With `Accept: text/csv` or `?format=csv`: a tidy CSV over the full grid ' +
        '(comment block with the statement and the signed manifest; columns part, one per dimension and a Name ' +
        'column for countries and regions, count, status, lower95, upper95).',
      content: {
        'application/json': { schema: { $ref: getSchemaPath(AggregateAnswerDto) } },
        'text/csv': { schema: { type: 'string' }, example: CSV_EXAMPLE },
      },
      headers: {
        'Content-Disposition': {
          description: 'For CSV: attachment; filename="aggregate-<queryId>.csv"',
          schema: { type: 'string' },
        },
      },
    }),
  );

/** Sends a rendered document as it is (bytes unchanged), with its type and, for CSV, a filename. */
export function sendDocument(reply: FastifyReply, document: RenderedDocument): string | Buffer {
  void reply.header('Content-Type', document.contentType);
  if (document.contentType.startsWith('text/csv')) {
    void reply.header('Content-Disposition', `attachment; filename="${document.filename}"`);
  }
  return document.body;
}
