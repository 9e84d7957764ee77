/*
 * Pick your priorities: a small proof of work before a ballot is sent
 * (citystat/engagement/priorities.py explains why and how the server checks it).
 *
 * Finds a counter such that SHA-256("<challenge>:<counter>") starts with
 * data-difficulty zero bits, puts it in the form's "proof" field and sends the form.
 * SHA-256 is computed here, synchronously, in slices of a few thousand tries so the page
 * stays responsive: WebCrypto's digest() costs a promise per try and exists only on HTTPS.
 * Without JavaScript the form is sent without a proof and the server asks only that a
 * few seconds have passed.
 */
(function () {
  "use strict";

  var form = document.getElementById("pick-form");
  if (!form) {
    return;
  }
  var status = document.getElementById("pick-status");
  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
  ];
  var W = new Array(64);

  function rotr(x, n) {
    return (x >>> n) | (x << (32 - n));
  }

  // SHA-256 of an ASCII string (the challenge is base64 and digits); returns the 8 words.
  function sha256(text) {
    var length = text.length;
    var blocks = ((length + 8) >> 6) + 1;
    var words = new Array(blocks * 16).fill(0);
    for (var i = 0; i < length; i++) {
      words[i >> 2] |= (text.charCodeAt(i) & 0xff) << (24 - (i % 4) * 8);
    }
    words[length >> 2] |= 0x80 << (24 - (length % 4) * 8);
    words[blocks * 16 - 1] = length * 8;
    var h = [
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
      0x5be0cd19,
    ];
    for (var block = 0; block < words.length; block += 16) {
      for (var t = 0; t < 64; t++) {
        if (t < 16) {
          W[t] = words[block + t] | 0;
        } else {
          var s0 = rotr(W[t - 15], 7) ^ rotr(W[t - 15], 18) ^ (W[t - 15] >>> 3);
          var s1 = rotr(W[t - 2], 17) ^ rotr(W[t - 2], 19) ^ (W[t - 2] >>> 10);
          W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
        }
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (t = 0; t < 64; t++) {
        var S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        var ch = (e & f) ^ (~e & g);
        var temp1 = (k + S1 + ch + K[t] + W[t]) | 0;
        var S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        var maj = (a & b) ^ (a & c) ^ (b & c);
        var temp2 = (S0 + maj) | 0;
        k = g;
        g = f;
        f = e;
        e = (d + temp1) | 0;
        d = c;
        c = b;
        b = a;
        a = (temp1 + temp2) | 0;
      }
      h[0] = (h[0] + a) | 0;
      h[1] = (h[1] + b) | 0;
      h[2] = (h[2] + c) | 0;
      h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0;
      h[5] = (h[5] + f) | 0;
      h[6] = (h[6] + g) | 0;
      h[7] = (h[7] + k) | 0;
    }
    return h;
  }

  function leadingZeroBits(h) {
    var bits = 0;
    for (var i = 0; i < 8; i++) {
      var word = h[i] >>> 0;
      if (word === 0) {
        bits += 32;
        continue;
      }
      return bits + Math.clz32(word);
    }
    return bits;
  }

  function solve(challenge, difficulty, done) {
    var counter = 0;
    function slice() {
      for (var end = counter + 5000; counter < end; counter++) {
        if (leadingZeroBits(sha256(challenge + ":" + counter)) >= difficulty) {
          done(String(counter));
          return;
        }
      }
      setTimeout(slice, 0);
    }
    slice();
  }

  form.addEventListener("submit", function (event) {
    if (form.dataset.solved === "yes") {
      return;
    }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    status.textContent = status.dataset.working || "";
    solve(form.elements.challenge.value, Number(form.dataset.difficulty || 14), function (proof) {
      form.elements.proof.value = proof;
      form.dataset.solved = "yes";
      button.disabled = false;
      form.submit();
    });
  });
})();
