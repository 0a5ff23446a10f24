/** Sign in with an account of Veil (UPN or email and password). */
import { useState, type FormEvent } from 'react'
import { useSession } from '../../session/session.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { TextField } from '../../ui/fields.js'

export function LoginPage({ notice }: { readonly notice: string | null }) {
  const { signIn } = useSession()
  const [upn, setUpn] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await signIn(upn.trim(), password)
    } catch (failure) {
      setError(failure)
      setBusy(false)
    }
  }

  return (
    <main className="login" id="main">
      <form className="login-card" onSubmit={(event) => void submit(event)} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Veil</h1>
        {notice && !error ? <Banner tone="info">{notice}</Banner> : null}
        <ErrorBanner error={error} />
        <TextField label="User name (UPN or email)" name="username" value={upn} onChange={setUpn} autoComplete="username" required autoFocus />
        <TextField label="Password" name="password" type="password" value={password} onChange={setPassword} autoComplete="current-password" required />
        <button type="submit" className="button button-primary" disabled={busy || !upn || !password}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
