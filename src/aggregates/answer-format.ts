import type { AnswerFormat } from './dto/aggregate-metadata.dto.js';

const MEDIA: Record<string, AnswerFormat> = {
  'application/json': 'json',
  'text/csv': 'csv',
};

/**
 * The format of an answer: `?format=` when given, else the `Accept` header's most preferred of
 * application/json and text/csv (q-values; on a tie the one listed first), else JSON.
 */
export function answerFormat(format: AnswerFormat | undefined, accept: string | undefined): AnswerFormat {
  if (format) return format;
  let best: { format: AnswerFormat; q: number } | undefined;
  for (const part of (accept ?? '').split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const chosen = MEDIA[type.trim()];
    if (!chosen) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    if (!best || q > best.q) best = { format: chosen, q };
  }
  return best?.format ?? 'json';
}
