/**
 * THE office scoping of case queries: the policy's officeScope() as a SQL condition. Every query
 * path over cases (get, list, search, update, erase, duplicates) adds this condition.
 */
import { officeScope, type Principal } from '../policy/index.js';

export interface SqlCondition {
  where: string;
  params: Record<string, unknown>;
}

/** `officeColumn` is the SQL reference of the case's office column (e.g. `c.office_id`). */
export function caseScopeCondition(principal: Principal, officeColumn: string): SqlCondition {
  const scope = officeScope(principal);
  switch (scope.kind) {
    case 'office':
      return { where: `${officeColumn} = :scopeOfficeId`, params: { scopeOfficeId: scope.officeId } };
    case 'all':
      return { where: 'TRUE', params: {} };
    case 'none':
      return { where: 'FALSE', params: {} };
  }
}
