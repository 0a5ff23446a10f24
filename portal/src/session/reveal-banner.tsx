/** The banner shown on every page while private activities are shown, with the button to end it. */
import { Banner } from '../ui/banner.js'
import { useReveal } from './reveal.js'

export function RevealBanner() {
  const reveal = useReveal()
  if (!reveal.active) {
    return null
  }
  const until = new Date(reveal.active.until).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
  return (
    <Banner
      tone="warning"
      label="Private activities are shown"
      actions={
        <button type="button" className="button" onClick={reveal.end}>
          Stop showing private activities
        </button>
      }
    >
      <strong>Private activities are shown.</strong> Every page of activities you load now is recorded in the governance log with your
      justification: “{reveal.active.justification}”. This ends at {until}, when you sign out, or when you stop it.
    </Banner>
  )
}
