import { describe, expect, it } from 'vitest';
import { signinErrorMessage } from '../src/lib/signin';

describe('signinErrorMessage', () => {
  it('is null without a refusal', () => {
    expect(signinErrorMessage('')).toBeNull();
    expect(signinErrorMessage('?tab=runs')).toBeNull();
  });
  it('explains a known refusal, with its reason', () => {
    expect(signinErrorMessage('?signin_error=oidc_provider_refused&reason=access_denied'))
      .toBe('The identity provider did not sign you in. (access denied)');
    expect(signinErrorMessage('?signin_error=oidc_state_invalid&reason=')).toMatch(/^This sign-in expired/);
  });
  it('has a general message for an unknown code', () => {
    expect(signinErrorMessage('?signin_error=something_new')).toBe('Signing in with the identity provider failed.');
  });
  it('shows text, never markup', () => {
    expect(signinErrorMessage('?signin_error=x&reason=%3Cb%3E')).toBe('Signing in with the identity provider failed. (<b>)');
  });
});
