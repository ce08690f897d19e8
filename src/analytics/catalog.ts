/**
 * The application catalogue: every application's configuration and status, in memory and written through to the
 * service's {@link MetaStore} scope (`applications/<account>/<region>/<name>`). Like the Data Streams and Firehose
 * catalogues (docs/adr/0012-catalog-sole-writer.md) it is the only writer of that state: states are frozen, a
 * change is a mutator applied to a copy, written with compare-and-set against the last known revision, and made
 * current only once durable. Changes of one application are serialised.
 */
import type { Logger } from '../protocol/index.js';
import { newIncarnationId, ResourceCatalog, type CatalogMutator, type MetaStore } from '../storage/index.js';
import type { ApplicationDraft, ApplicationState } from './application.js';
import { analyticsError, applicationExists } from './errors.js';

/** Edits a copy in place; returning `false` means "nothing to change". May run again after a conflict. */
export type Mutator = CatalogMutator<ApplicationDraft>;

export { newIncarnationId };

/** The application catalogue (see this file's header and src/storage/resource-catalog.ts). */
export class ApplicationCatalog extends ResourceCatalog<ApplicationState, ApplicationDraft> {
  static async open(meta: MetaStore, logger: Logger): Promise<ApplicationCatalog> {
    const catalog = new ApplicationCatalog(meta, {
      keyPrefix: 'applications/',
      alreadyExists: (state) => applicationExists(state.name, state.accountId),
      notFound: () => analyticsError('ResourceNotFoundException', 'The application was deleted.'),
      onConflict: (current, attempt) =>
        logger.warn({ application: current.name, attempt }, 'application changed by another writer'),
      onListenerError: (err) => logger.error({ err }, 'application change listener failed'),
    });
    await catalog.load();
    return catalog;
  }

  getByArn(arn: string): ApplicationState | undefined {
    for (const s of this.all()) if (s.arn === arn) return s;
    return undefined;
  }
}
