// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "/vendor/govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
}
initAll();

// The record-an-event form: show only the chosen event's fields (without JavaScript every section shows,
// each under its own heading, and the server reads only the chosen one).
const eventType = document.getElementById("event_type");
if (eventType) {
  const sections = document.querySelectorAll("[data-event-fields]");
  const reveal = () => {
    sections.forEach((section) => {
      section.hidden = section.dataset.eventFields !== eventType.value;
    });
  };
  eventType.addEventListener("change", reveal);
  reveal();
}
