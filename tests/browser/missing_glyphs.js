(selector) => {
  const c = document.createElement('canvas'); c.width = 48; c.height = 48;
  const g = c.getContext('2d', {willReadFrequently: true});
  const texts = [...document.querySelectorAll(selector)].map(e => [e.textContent, getComputedStyle(e).fontFamily]);
  function pix(ch, font) { g.clearRect(0, 0, 48, 48); g.font = '28px ' + font; g.fillText(ch, 6, 36); return g.getImageData(0, 0, 48, 48).data.join(','); }
  const missing = new Set();
  for (const [text, font] of texts) {
    const tofu = pix('\uE000', font);
    for (const ch of text) if (ch.trim() && pix(ch, font) === tofu) missing.add(ch);
  }
  return [texts.length, [...missing]];
}
