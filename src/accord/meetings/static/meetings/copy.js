// "Copy" buttons: <button data-copy="#input-id"> copies that input's value and says so.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const input = document.querySelector(button.dataset.copy);
  const status = document.querySelector(button.dataset.status || "#copy-status");
  if (!input) return;
  input.select();
  const done = () => { if (status) status.textContent = "Copied."; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(done, () => {
      if (status) status.textContent = "Select the address and copy it yourself.";
    });
  } else {
    try { document.execCommand("copy"); done(); } catch (e) {
      if (status) status.textContent = "Select the address and copy it yourself.";
    }
  }
});
