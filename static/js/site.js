// Behaviour shared by all pages, kept out of the templates so the Content-Security-Policy can
// refuse inline scripts.
//   <select data-submit-on-change>   submits its form when the choice changes
//   <button data-confirm="Sure?">     asks before submitting
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-submit-on-change]");
  if (field && field.form) field.form.submit();
});
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});
//   <input readonly data-select-on-focus>  selects its text (a link to copy) when focused
document.addEventListener("focusin", (event) => {
  if (event.target.matches("[data-select-on-focus]")) event.target.select();
});
