// What the sign-in page says when the server sent the browser back from a
// refused identity-provider sign-in: /?signin_error=<code>&reason=<reason>
// (src/server/r_oidc.c). Codes and reasons are fixed words, never input.

const messages: Record<string, string> = {
  oidc_provider_refused: 'The identity provider did not sign you in.',
  oidc_state_invalid: 'This sign-in expired, was already used or was started in another browser. Please start again.',
  oidc_bad_callback: 'The identity provider sent back an answer weir could not use. Please start again.',
  oidc_exchange_failed: 'The identity provider refused to complete the sign-in.',
  oidc_id_token_invalid: "The identity provider's answer did not pass weir's checks.",
  oidc_provider_unavailable: 'The identity provider cannot be reached right now. Please try again later.',
  link_needs_session: 'Linking an identity needs the session that started it. Please sign in and start again.',
};

/** The message for a refused sign-in named in a query string, or null. */
export function signinErrorMessage(search: string): string | null {
  const q = new URLSearchParams(search);
  const code = q.get('signin_error');
  if (!code) return null;
  const reason = q.get('reason');
  const text = messages[code] ?? 'Signing in with the identity provider failed.';
  return reason ? `${text} (${reason.replace(/_/g, ' ')})` : text;
}

// The query the page was loaded with: the app's router may rewrite the URL
// before the sign-in page shows, so the refusal is read once, at start.
let startup: string | null = typeof location !== 'undefined' ? location.search : null;

/** The refusal the page was loaded with, once (later calls: null). */
export function takeStartupRefusal(): string | null {
  const s = startup;
  startup = null;
  return s ? signinErrorMessage(s) : null;
}
