"""Driving JupyterLab in a Playwright page the way a student does, and reading what it shows.

Clicks and keys go through the UI (file browser, Run menu, CodeMirror editors,
nbgrader's Validate button). What the page shows is read from the DOM, and
from the notebook model behind it (window.jupyterapp, exposed by the lab's
--LabApp.expose_app_in_browser), which is what the cells display.
"""

import re
import time

import pytest

CURRENT = "window.jupyterapp.shell.currentWidget"
RUN_TIMEOUT = 300  # seconds for Run All Cells on a loaded 2-core machine
VALIDATE_TIMEOUT = 300


def open_lab(page, lab, path=None):
    """Open JupyterLab (at a file, if given) with a fresh workspace; wait until it is restored."""
    page.goto(lab.url(f"lab/tree/{path}" if path else "lab", "reset"))
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=120_000)
    page.evaluate("async () => { await window.jupyterapp.restored; }")


def dialogs(page):
    return [t.strip() for t in page.locator(".jp-Dialog").all_inner_texts()]


def toasts(page):
    return [t.strip() for t in page.locator(".Toastify__toast").all_inner_texts()]


class Notebook:
    """The notebook open in the current tab."""

    def __init__(self, page, path):
        self.page, self.path = page, path

    @classmethod
    def open(cls, page, lab, path):
        open_lab(page, lab, path)
        nb = cls(page, path)
        nb.wait_until_ready()
        return nb

    def js(self, body, arg=None):
        """Evaluate `(arg) => { body }` with `w` bound to the current notebook panel."""
        return self.page.evaluate(f"(arg) => {{ const w = {CURRENT}; {body} }}", arg)

    def wait_until_ready(self, timeout=120):
        """Wait for the notebook and an idle kernel; fail at once if JupyterLab asks anything."""
        state_js = """
            if (!w || !w.context || w.context.path !== arg) return 'opening';
            if (!w.context.isReady) return 'loading';
            const k = w.sessionContext.session?.kernel;
            return k ? 'kernel ' + k.status : 'no kernel';
        """
        deadline = time.monotonic() + timeout
        state = None
        while time.monotonic() < deadline:
            shown = dialogs(self.page)
            if shown:
                self.page.shots.take("unexpected_dialog")
                pytest.fail(f"opening {self.path}, JupyterLab asked the student instead of showing the notebook:\n"
                            + "\n---\n".join(shown), pytrace=False)
            state = self.page.evaluate(f"(arg) => {{ const w = {CURRENT}; {state_js} }}", self.path)
            if state == "kernel idle":
                return
            time.sleep(0.5)
        pytest.fail(f"{self.path} was not open with an idle kernel after {timeout} s (last state: {state})",
                    pytrace=False)

    # ---- what the notebook shows
    def kernel(self):
        return self.js("const k = w.sessionContext.session?.kernel; "
                       "return {name: k?.name, display: w.sessionContext.kernelDisplayName, status: k?.status};")

    def reveal_all(self):
        """Scroll through the notebook once, so that every cell has its editor (JupyterLab makes them on view)."""
        self.page.evaluate(f"""async () => {{
            const w = {CURRENT};
            for (const c of w.content.widgets) {{
                c.node.scrollIntoView({{block: 'center'}});
                await new Promise(r => requestAnimationFrame(() => setTimeout(r, 20)));
            }}
            w.content.widgets[0].node.scrollIntoView({{block: 'start'}});
        }}""")
        self.page.wait_for_function(
            f"() => {CURRENT}.content.widgets.every(c => c.model.type !== 'code' || "
            "c.node.querySelector('.jp-InputArea-editor .cm-content'))",
            timeout=30_000)

    def cells(self):
        """One dict per cell: type, source, nbgrader metadata, and whether the UI lets the student edit it."""
        return self.js("""
            return w.content.widgets.map((c, i) => {
                const ed = c.node.querySelector('.jp-InputArea-editor .cm-content');
                return {index: i, type: c.model.type, source: c.model.sharedModel.getSource(),
                        nbgrader: c.model.getMetadata('nbgrader') || {},
                        editable: c.model.getMetadata('editable'), deletable: c.model.getMetadata('deletable'),
                        readOnly: c.readOnly, ariaReadOnly: ed ? ed.getAttribute('aria-readonly') : null};
            });""")

    def source(self, index):
        return self.js("return w.content.widgets[arg].model.sharedModel.getSource();", index)

    def outputs(self):
        """Per code cell: execution count, error outputs, stderr streams, red boxes shown, and images rendered."""
        return self.js("""
            const out = [];
            w.content.widgets.forEach((c, i) => {
                if (c.model.type !== 'code') return;
                const outs = c.model.outputs.toJSON();
                const q = s => Array.from(c.node.querySelectorAll(s));
                out.push({index: i, count: c.model.executionCount, source: c.model.sharedModel.getSource(),
                          errors: outs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue),
                          stderr_streams: outs.filter(o => o.output_type === 'stream' && o.name === 'stderr')
                                              .map(o => Array.isArray(o.text) ? o.text.join('') : o.text),
                          stderr_shown: q('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
                                    .map(e => e.textContent.slice(0, 1500)),
                          images: q('.jp-OutputArea-output img').map(im => (
                                    {complete: im.complete, width: im.naturalWidth, height: im.naturalHeight}))});
            });
            return out;""")

    def scroll_to(self, index, block="start"):
        self.js(f"w.content.widgets[arg].node.scrollIntoView({{block: '{block}'}});", index)
        self.page.wait_for_timeout(300)

    def scroll_to_figure(self, index):
        """Scroll so that the first image a cell shows is in the middle of the view."""
        self.js("w.content.widgets[arg].node.querySelector('.jp-OutputArea-output img')"
                ".scrollIntoView({block: 'center'});", index)
        self.page.wait_for_timeout(300)

    def cell_locator(self, index):
        return self.page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(index)

    # ---- what the student does
    def run_all(self):
        """Run > Run All Cells; wait until the kernel has finished (or stopped at an error)."""
        self.page.locator(".lm-MenuBar-item").filter(has_text=re.compile(r"^\s*Run\s*$")).click()
        self.page.locator(".lm-Menu-item:visible").filter(has_text=re.compile(r"^\s*Run All Cells\s*$")).click()
        start = time.monotonic()
        done_js = """
            const k = w.sessionContext.session?.kernel;
            const code = w.content.widgets.filter(c => c.model.type === 'code');
            // the model's state, not only the prompt: a cell with its input collapsed
            // (an exercise's answer) shows no prompt, and Run All could seem done before it ran
            const queued = code.some(c => c.model.executionState === 'running'
                                          || (c.promptNode?.textContent || '').includes('*'));
            const started = code.some(c => c.model.executionCount !== null);
            return k && k.status === 'idle' && !queued && started;"""
        while not self.js(done_js):
            if time.monotonic() - start > RUN_TIMEOUT:
                self.page.shots.take("run_all_timeout")
                pytest.fail(f"Run All Cells on {self.path} had not finished after {RUN_TIMEOUT} s", pytrace=False)
            time.sleep(0.5)
        # images are data URLs; give the browser a moment to decode them
        self.page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.jp-OutputArea-output img')).every(im => im.complete)",
            timeout=30_000)
        return time.monotonic() - start

    def set_source(self, index, source):
        """Replace a cell's text by typing into its editor (select all, then insert the text)."""
        self.scroll_to(index, "center")
        self.cell_locator(index).locator(".jp-InputArea-editor .cm-content").click()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.insert_text(source)
        self.page.keyboard.press("Escape")
        got = self.source(index)
        assert got == source, f"cell {index}: the editor holds different text from what was typed:\n{got[:500]}"

    def try_to_edit(self, index):
        """Type into a cell and try to delete it (D, D), as a student might; return (source, number of cells) after."""
        self.scroll_to(index, "center")
        self.cell_locator(index).locator(".jp-InputArea-editor .cm-content").click()
        self.page.keyboard.press("End")
        self.page.keyboard.type("x = 1  # edited")
        self.page.keyboard.press("Escape")  # command mode, this cell selected
        self.page.keyboard.press("d")
        self.page.keyboard.press("d")
        self.page.wait_for_timeout(300)
        return self.source(index), self.js("return w.content.widgets.length;")

    def validate(self, timeout=VALIDATE_TIMEOUT):
        """Press nbgrader's Validate button; return (outcome class, dialog text). The dialog stays open."""
        button = self.page.locator(".jp-NotebookPanel:visible .jp-NotebookPanel-toolbar .validate-button")
        if button.count() != 1:
            pytest.fail("no Validate button in the notebook toolbar: nbgrader's JupyterLab extension is not active",
                        pytrace=False)
        button.click()
        dialog = self.page.locator(".jp-Dialog")
        dialog.wait_for(timeout=timeout * 1000)
        text = dialog.inner_text()
        message = self.page.locator("#validation-message")
        outcome = (message.get_attribute("class") or "") if message.count() else "no validation message"
        return outcome, text

    def show_validation_error(self, needle):
        """Scroll the Validate dialog to the first place its message says `needle` (else to its end)."""
        self.page.evaluate("""(needle) => {
            const box = document.querySelector('.jp-Dialog-body');
            const root = document.querySelector('#validation-message');
            if (!box || !root) return;
            const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            for (let n = walk.nextNode(); n; n = walk.nextNode()) {
                const at = n.textContent.indexOf(needle);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(n, at);
                range.setEnd(n, at + needle.length);
                const r = range.getBoundingClientRect(), b = box.getBoundingClientRect();
                box.scrollTop += r.top - b.top - box.clientHeight / 2;
                return;
            }
            box.scrollTop = box.scrollHeight;
        }""", needle)
        self.page.wait_for_timeout(200)

    def close_dialog(self):
        self.page.locator(".jp-Dialog .jp-mod-accept").click()
        self.page.locator(".jp-Dialog").wait_for(state="detached")
