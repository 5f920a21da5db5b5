export * from './roles.js';
export * from './case-fields.js';
export * from './projection.js';
export * from './office-scope.js';
export * from './research-approval.js';
export * from './permissions.js';
export * from './two-person.js';
export * from './user-fields.js';
