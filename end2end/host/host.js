// The host side of kfdash's embedding protocol (see README, "Embedding kfdash in a portal").
// Open this page as /?kfdash=<kfdash URL>; it frames kfdash in embed mode, follows its
// messages, sizes the frame to kfdash's content, and exposes `window.kfdash.send(message)`.
(function () {
  'use strict';
  const target = new URL(new URLSearchParams(location.search).get('kfdash') ?? 'http://127.0.0.1:3000/');
  target.searchParams.set('embed', '1');
  const frame = document.getElementById('kfdash');
  const log = document.getElementById('log');
  const received = [];

  window.addEventListener('message', (event) => {
    // Trust only kfdash's origin and kfdash's window.
    if (event.origin !== target.origin || event.source !== frame.contentWindow) return;
    const message = event.data;
    if (!message || message.source !== 'kfdash') return;
    received.push(message);
    const line = document.createElement('li');
    line.textContent = JSON.stringify(message);
    log.append(line);
    if (message.type === 'height' && message.height > 0) {
      frame.style.height = `${Math.max(message.height, 200)}px`;
    }
    if (message.type === 'navigated') document.title = `Example portal · ${message.title}`;
  });

  window.kfdash = {
    received,
    // Always name kfdash's origin, never '*'.
    send: (message) => frame.contentWindow.postMessage(message, target.origin),
    origin: target.origin,
  };
  frame.src = target.href;
})();
