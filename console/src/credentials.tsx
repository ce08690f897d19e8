import { useState } from 'preact/hooks';
import { loadCredentials, saveCredentials } from './api.js';

/**
 * Credentials for a server with security on. Kept in sessionStorage (gone when the tab closes), used only to sign
 * requests in this page; nothing is sent anywhere but this server's API.
 */
export function CredentialsPage() {
  const stored = loadCredentials();
  const [accessKeyId, setAccessKeyId] = useState(stored?.accessKeyId ?? '');
  const [secretAccessKey, setSecretAccessKey] = useState(stored?.secretAccessKey ?? '');
  const [sessionToken, setSessionToken] = useState(stored?.sessionToken ?? '');
  const [region, setRegion] = useState(stored?.region ?? 'us-east-1');
  const [note, setNote] = useState('');
  return (
    <section>
      <h1>Credentials</h1>
      <p>
        With security off, leave these empty: the server accepts any signature. With security on, enter an access key of
        the server's credentials file. They are kept in this tab's session storage only.
      </p>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          saveCredentials(
            accessKeyId === ''
              ? undefined
              : { accessKeyId, secretAccessKey, sessionToken, region: region || 'us-east-1' },
          );
          setNote(accessKeyId === '' ? 'Cleared: using open-mode credentials.' : 'Saved for this session.');
        }}
      >
        <label>
          Access key ID
          <input value={accessKeyId} onInput={(e) => setAccessKeyId(e.currentTarget.value)} autoComplete="username" />
        </label>
        <label>
          Secret access key
          <input
            type="password"
            value={secretAccessKey}
            onInput={(e) => setSecretAccessKey(e.currentTarget.value)}
            autoComplete="current-password"
          />
        </label>
        <label>
          Session token (optional)
          <input value={sessionToken} onInput={(e) => setSessionToken(e.currentTarget.value)} />
        </label>
        <label>
          Region
          <input value={region} onInput={(e) => setRegion(e.currentTarget.value)} />
        </label>
        <div class="row">
          <button type="submit">Save</button>
        </div>
        <output>{note}</output>
      </form>
    </section>
  );
}
