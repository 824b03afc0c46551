// The toolbar button opens the admin page in a tab (a tab, not a popup: a popup closes, and
// its run stops, as soon as it loses focus).
chrome.action.onClicked.addListener(() => {
  chrome.tabs.create({ url: chrome.runtime.getURL("admin.html") });
});
