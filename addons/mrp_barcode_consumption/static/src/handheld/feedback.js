/** @odoo-module **/
// Sound and vibration for the handheld screen: a short high beep when a scan is
// accepted, a high and a low one when it is accepted with a warning, two low
// ones and a vibration when it is refused. WebAudio needs no sound file, works
// offline and starts in a few milliseconds; a browser that forbids audio (no
// user gesture yet, no AudioContext) just stays silent.

let audioContext = null;

function context() {
    const AudioContext = window.AudioContext || window.webkitAudioContext;
    if (!AudioContext) {
        return null;
    }
    audioContext ||= new AudioContext();
    if (audioContext.state === "suspended") {
        audioContext.resume().catch(() => {});
    }
    return audioContext;
}

function tone(ctx, frequency, start, duration) {
    const oscillator = ctx.createOscillator();
    const gain = ctx.createGain();
    oscillator.type = "square";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.15, ctx.currentTime + start);
    gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + start + duration);
    oscillator.connect(gain).connect(ctx.destination);
    oscillator.start(ctx.currentTime + start);
    oscillator.stop(ctx.currentTime + start + duration);
}

/**
 * @param {"ok"|"warning"|"error"} kind accepted (one high beep), accepted with a
 *     warning (a high then a low beep), refused (two low beeps and a vibration)
 */
export function signalScan(kind) {
    try {
        const ctx = context();
        if (ctx) {
            if (kind === "ok") {
                tone(ctx, 1760, 0, 0.12);
            } else if (kind === "warning") {
                tone(ctx, 1760, 0, 0.12);
                tone(ctx, 440, 0.18, 0.18);
            } else {
                tone(ctx, 220, 0, 0.18);
                tone(ctx, 220, 0.25, 0.18);
            }
        }
        if (kind === "error" && "vibrate" in window.navigator) {
            window.navigator.vibrate([120, 80, 120]);
        }
    } catch {
        // feedback is a comfort, never a reason to fail a scan
    }
}

/**
 * A version 4 UUID, the scan's idempotency key. crypto.randomUUID exists only in
 * secure contexts (https, localhost); handhelds often reach Odoo over plain http
 * on the plant network, where crypto.getRandomValues still works.
 */
export function newScanId() {
    if (window.crypto?.randomUUID) {
        return window.crypto.randomUUID();
    }
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
