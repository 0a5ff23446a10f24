/**
 * The body of a streamed export: the file's beginning, then each page encoded, the next page read only
 * when the reader wants more (an async generator under `Readable.from` gives the back-pressure). Shared
 * by the activity and the governance exports, which differ only in what a page holds and how it is
 * encoded.
 *
 * @module
 */

/** How far an export got, for its end record. */
export interface ExportProgress {
  rows: number
  /** Every page was read and handed on. */
  complete: boolean
  /** Reading a page failed. */
  failed: boolean
}

/**
 * `head` and the encoded pages, starting with `first` (already read, so a failing query is an ordinary
 * error before anything is sent); an export without rows is its head alone.
 */
export async function* encodedPages<T>(head: string, first: readonly T[] | null, next: () => Promise<readonly T[] | null>, encode: (page: readonly T[]) => string, progress: ExportProgress): AsyncGenerator<string> {
  try {
    let start = head
    let page = first
    while (page !== null) {
      progress.rows += page.length
      yield start + encode(page)
      start = ''
      page = await next()
    }
    if (start !== '') {
      yield start
    }
    progress.complete = true
  } catch (error) {
    progress.failed = true
    throw error
  }
}

/** `20261120T120000Z`: an export file name's time, sortable and safe in a file name on every system. */
export function exportFileStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}/, '').replace(/[-:]/g, '')
}
