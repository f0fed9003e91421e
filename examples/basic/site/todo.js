// A todo list whose "saves" take SAVE_MS, like a slow API.
const SAVE_MS = 400;
const list = document.getElementById('list');
const status = document.getElementById('status');
const count = document.getElementById('count');

function updateCount() {
  count.textContent = String(list.querySelectorAll('li:not(.done)').length);
}

function addItem(text) {
  const li = document.createElement('li');
  const label = document.createElement('span');
  label.textContent = text;
  const toggle = document.createElement('button');
  toggle.textContent = 'Done';
  toggle.addEventListener('click', () => { li.classList.toggle('done'); updateCount(); });
  const remove = document.createElement('button');
  remove.textContent = 'Delete';
  remove.addEventListener('click', () => { li.remove(); updateCount(); });
  li.append(label, ' ', toggle, ' ', remove);
  list.append(li);
  updateCount();
}

document.getElementById('add').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = document.getElementById('item');
  const text = input.value.trim();
  if (!text) { status.textContent = 'Please type something'; return; }
  status.textContent = 'Saving…';
  setTimeout(() => { addItem(text); input.value = ''; status.textContent = 'Saved'; }, SAVE_MS);
});
