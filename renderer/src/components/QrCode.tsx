import { useMemo } from 'react';
import QRCode from 'qrcode';

/**
 * A QR code of `text` drawn as SVG: dark modules on white with the standard four-module quiet
 * zone whatever the theme, so phone cameras read it; error correction L (a screen does not
 * smudge), which gives a long invite the fewest modules. `label` is its text alternative; the
 * text itself must be on the page too, since a QR code is no use to someone who cannot see it.
 * Renders nothing when the text is too long for a QR code.
 */
export function QrCode(props: { readonly text: string; readonly label: string; readonly className?: string }) {
  const { text } = props;
  const drawing = useMemo(() => {
    try {
      const { modules } = QRCode.create(text, { errorCorrectionLevel: 'L' });
      let path = '';
      for (let row = 0; row < modules.size; row++) {
        for (let col = 0; col < modules.size; col++) if (modules.get(row, col)) path += `M${col + 4} ${row + 4}h1v1h-1z`;
      }
      return { size: modules.size + 8, path };
    } catch {
      return null;
    }
  }, [text]);
  if (!drawing) return null;
  return (
    <svg className={props.className} role="img" aria-label={props.label} viewBox={`0 0 ${drawing.size} ${drawing.size}`} shapeRendering="crispEdges">
      <rect width={drawing.size} height={drawing.size} fill="#ffffff" />
      <path d={drawing.path} fill="#000000" />
    </svg>
  );
}
