/** Load data for a page: re-runs when `deps` change, aborts the previous load, keeps the last error. */
import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react'

export interface AsyncState<T> {
  readonly data: T | null
  readonly error: unknown
  readonly loading: boolean
  /** Load again with the same inputs. */
  readonly reload: () => void
}

export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): AsyncState<T> {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: true })
  const [generation, setGeneration] = useState(0)
  const loader = useRef(load)
  loader.current = load

  useEffect(() => {
    const controller = new AbortController()
    setState((s) => ({ ...s, loading: true }))
    loader.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) {
          setState({ data, error: null, loading: false })
        }
      },
      (error: unknown) => {
        if (!controller.signal.aborted) {
          setState((s) => ({ data: s.data, error, loading: false }))
        }
      },
    )
    return () => controller.abort()
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller lists the inputs of `load`
  }, [...deps, generation])

  const reload = useCallback(() => setGeneration((g) => g + 1), [])
  return { ...state, reload }
}
