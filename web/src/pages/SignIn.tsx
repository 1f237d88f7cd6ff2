import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, setCsrf, type Provider } from '../api';
import { signinErrorMessage, takeStartupRefusal } from '../lib/signin';

export function SignIn({ onSignedIn, embedded }: { onSignedIn: () => void; embedded?: boolean }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState<Provider[]>([]);

  useEffect(() => {
    let live = true;
    api.providers().then((p) => live && setProviders(p));
    const q = new URLSearchParams(location.search);
    const refused = takeStartupRefusal() ?? signinErrorMessage(location.search);
    if (refused) setError(refused);
    else if (q.get('error')) setError(q.get('error_description') || `Sign-in failed: ${q.get('error')}`);
    return () => { live = false; };
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const r = await api.login(email.trim(), password);
      setCsrf(r.csrf_token);
      onSignedIn();
    } catch (err) {
      const ae = err as ApiError;
      setError(ae.status === 401 ? 'Wrong e-mail or password.' : ae.status === 429 ? ae.message : `Sign-in failed: ${ae.message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className={embedded ? 'signin-embedded' : 'signin'}>
      <form className={embedded ? 'form' : 'card signin-card'} onSubmit={submit} aria-labelledby={embedded ? undefined : 'signin-title'} aria-label={embedded ? 'Sign in again' : undefined}>
        {!embedded && <h1 id="signin-title">Sign in to weir</h1>}
        <label className="field">
          <span>E-mail</span>
          <input type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        </label>
        <label className="field">
          <span>Password</span>
          <input type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error && <p className="form-error" role="alert">{error}</p>}
        <button type="submit" className="btn primary wide" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
        {providers.length > 0 && (
          <div className="providers">
            <p className="muted or"><span>or</span></p>
            {providers.map((p) => (
              <a key={p.id} className="btn wide" href={api.oidcStartUrl(p.id)}>Sign in with {p.name}</a>
            ))}
          </div>
        )}
      </form>
    </div>
  );
}
