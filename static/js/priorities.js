/*
 * Pick your priorities: a small proof of work before a ballot is sent
 * (citystat/engagement/priorities.py explains why and how the server checks it).
 *
 * Finds a counter such that SHA-256("<challenge>:<counter>") starts with
 * data-difficulty zero bits, puts it in the form's "proof" field and sends the form.
 * Without WebCrypto (an old browser, or plain HTTP on a public host) the form is sent
 * without a proof and the server asks only that a few seconds have passed.
 */
(function () {
  "use strict";

  var form = document.getElementById("pick-form");
  if (!form || !window.crypto || !window.crypto.subtle || !window.TextEncoder) {
    return;
  }
  var encoder = new TextEncoder();
  var status = document.getElementById("pick-status");

  function zeroBits(bytes) {
    var bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) {
        bits += 8;
        continue;
      }
      var value = bytes[i];
      while ((value & 0x80) === 0) {
        bits += 1;
        value <<= 1;
      }
      return bits;
    }
    return bits;
  }

  async function solve(challenge, difficulty) {
    for (var counter = 0; counter < 1e8; counter++) {
      var digest = await window.crypto.subtle.digest(
        "SHA-256",
        encoder.encode(challenge + ":" + counter)
      );
      if (zeroBits(new Uint8Array(digest)) >= difficulty) {
        return String(counter);
      }
    }
    return "";
  }

  form.addEventListener("submit", function (event) {
    if (form.dataset.solved === "yes") {
      return;
    }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    status.textContent = status.dataset.working || "Checking… (about a second)";
    solve(form.elements.challenge.value, Number(form.dataset.difficulty || 14)).then(
      function (proof) {
        form.elements.proof.value = proof;
        form.dataset.solved = "yes";
        status.textContent = "";
        button.disabled = false;
        form.requestSubmit ? form.requestSubmit(button) : form.submit();
      }
    );
  });
})();
