import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AnalyticsPage } from './analytics.js';
import { ApplicationPage } from './analytics-application.js';
import { CredentialsPage } from './credentials.js';
import { FirehosePage } from './firehose.js';
import { DeliveryStreamPage } from './firehose-stream.js';
import { StreamPage } from './stream.js';
import { StreamsPage } from './streams.js';
import { VideoPage } from './video.js';
import { VideoStreamPage } from './video-stream.js';
import './style.css';

/** Hash routes: every page lives at /console/#/..., so the server serves one index.html. */
type Route =
  | { page: 'streams' }
  | { page: 'stream'; name: string }
  | { page: 'credentials' }
  | { page: 'firehose' }
  | { page: 'delivery-stream'; name: string }
  | { page: 'analytics' }
  | { page: 'application'; name: string }
  | { page: 'video' }
  | { page: 'video-stream'; name: string };

function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'streams' && parts[1] !== undefined && parts[1] !== '') return { page: 'stream', name: parts[1] };
  if (parts[0] === 'credentials') return { page: 'credentials' };
  if (parts[0] === 'firehose') {
    return parts[1] ? { page: 'delivery-stream', name: parts[1] } : { page: 'firehose' };
  }
  if (parts[0] === 'analytics') {
    return parts[1] ? { page: 'application', name: parts[1] } : { page: 'analytics' };
  }
  if (parts[0] === 'video') {
    return parts[1] ? { page: 'video-stream', name: parts[1] } : { page: 'video' };
  }
  return { page: 'streams' };
}

const SECTIONS = [
  { href: '#/streams', label: 'Data Streams', key: 'streams' },
  { href: '#/firehose', label: 'Firehose', key: 'firehose' },
  { href: '#/analytics', label: 'Analytics', key: 'analytics' },
  { href: '#/video', label: 'Video Streams', key: 'video' },
  { href: '#/credentials', label: 'Credentials', key: 'credentials' },
] as const;

/** The navigation section a page belongs to, where it is not the page's own name. */
const SECTION_OF: Partial<Record<Route['page'], string>> = {
  stream: 'streams',
  'delivery-stream': 'firehose',
  application: 'analytics',
};

function App() {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const current = SECTION_OF[route.page] ?? route.page;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Tributary</span>
        <nav aria-label="Services">
          {SECTIONS.map((s) => (
            <a key={s.key} href={s.href} aria-current={current === s.key ? 'page' : undefined}>
              {s.label}
            </a>
          ))}
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {route.page === 'streams' && <StreamsPage />}
        {route.page === 'stream' && <StreamPage key={route.name} name={route.name} />}
        {route.page === 'credentials' && <CredentialsPage />}
        {route.page === 'firehose' && <FirehosePage />}
        {route.page === 'delivery-stream' && <DeliveryStreamPage key={route.name} name={route.name} />}
        {route.page === 'analytics' && <AnalyticsPage />}
        {route.page === 'application' && <ApplicationPage key={route.name} name={route.name} />}
        {route.page === 'video' && <VideoPage />}
        {route.page === 'video-stream' && <VideoStreamPage key={route.name} name={route.name} />}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
