import { validationFailed } from '../common/errors.js';
import { deriveAttributes, DerivationError, type DerivedAttributes } from '../ctdc/index.js';

/** deriveAttributes, with an impossible combination (birth after registration) as a 400 naming the field. */
export function derive(registrationDate: string, dateOfBirth: string | null): DerivedAttributes {
  try {
    return deriveAttributes(registrationDate, dateOfBirth);
  } catch (error) {
    if (error instanceof DerivationError) throw validationFailed(`Validation failed: ${error.message}`);
    throw error;
  }
}
