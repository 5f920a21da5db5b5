import { answerFormat } from './answer-format.js';

describe('answer format', () => {
  it.each([
    [undefined, undefined, 'json'],
    [undefined, '*/*', 'json'],
    [undefined, 'text/csv', 'csv'],
    [undefined, 'text/csv; charset=utf-8', 'csv'],
    [undefined, 'application/json, text/csv', 'json'],
    [undefined, 'text/csv, application/json', 'csv'],
    [undefined, 'application/json;q=0.5, text/csv', 'csv'],
    [undefined, 'text/csv;q=0', 'json'],
    [undefined, 'text/html', 'json'],
    ['json', 'text/csv', 'json'],
    ['csv', 'application/json', 'csv'],
  ] as const)('format=%s, Accept: %s → %s', (format, accept, expected) => {
    expect(answerFormat(format, accept)).toBe(expected);
  });
});
