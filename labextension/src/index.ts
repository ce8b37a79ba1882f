/**
 * nn-autograder in JupyterLab 4 and Notebook 7: two plugins of one package.
 *
 * - `nn-autograder:check` (students, and anyone with a notebook): the Check button and
 *   command, the side panel, badges on test cells.
 * - `nn-autograder:instructor`: the Autograder panel and its launcher item, only on a
 *   server whose root is a course directory (the server answers 404 elsewhere).
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { INotebookTracker } from '@jupyterlab/notebook';
import { checkIcon, listIcon } from '@jupyterlab/ui-components';

import { request } from './api';
import { InstructorPanel } from './instructor';
import { CHECK_COMMAND, CheckButtonExtension, StudentChecks } from './student';

const OPEN_PANEL_COMMAND = 'nn-autograder:open-instructor-panel';

const checkPlugin: JupyterFrontEndPlugin<void> = {
  id: 'nn-autograder:check',
  description: 'Check a notebook: the visible checks judged outside the kernel, in a side panel.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker, palette: ICommandPalette | null) => {
    const checks = new StudentChecks(app, tracker);
    app.commands.addCommand(CHECK_COMMAND, {
      label: 'Check Notebook',
      caption: 'Save the notebook, then run its checks (nn-autograder)',
      icon: checkIcon,
      isEnabled: () => tracker.currentWidget !== null,
      execute: () => checks.check()
    });
    app.commands.addKeyBinding({ command: CHECK_COMMAND, keys: ['Accel Shift K'], selector: '.jp-Notebook' });
    palette?.addItem({ command: CHECK_COMMAND, category: 'Notebook Operations' });
    app.docRegistry.addWidgetExtension('Notebook', new CheckButtonExtension(app));
  }
};

const instructorPlugin: JupyterFrontEndPlugin<void> = {
  id: 'nn-autograder:instructor',
  description: 'The Autograder panel: release, grade, rescore, feedback and the class report.',
  autoStart: true,
  optional: [ILauncher, ICommandPalette, ILayoutRestorer],
  activate: async (
    app: JupyterFrontEnd,
    launcher: ILauncher | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ) => {
    try {
      const role = await request<{ instructor: boolean }>('role');
      if (!role.instructor) {
        return; // a student's server: no panel, and its instructor endpoints answer 404
      }
    } catch {
      return;
    }
    const tracker = new WidgetTracker<MainAreaWidget<InstructorPanel>>({ namespace: 'nn-autograder' });
    app.commands.addCommand(OPEN_PANEL_COMMAND, {
      label: 'Autograder',
      caption: 'Release, grade, rescore, feedback and the class report',
      icon: listIcon,
      execute: () => {
        let widget = tracker.currentWidget;
        if (!widget || widget.isDisposed) {
          widget = new MainAreaWidget({ content: new InstructorPanel() });
          widget.id = 'nn-autograder-instructor-panel';
          widget.title.label = 'Autograder';
          widget.title.icon = checkIcon;
          void tracker.add(widget);
          app.shell.add(widget, 'main');
        }
        app.shell.activateById(widget.id);
        return widget;
      }
    });
    launcher?.add({ command: OPEN_PANEL_COMMAND, category: 'Other', rank: 0 });
    palette?.addItem({ command: OPEN_PANEL_COMMAND, category: 'Autograder' });
    if (restorer) {
      void restorer.restore(tracker, { command: OPEN_PANEL_COMMAND, name: () => 'nn-autograder' });
    }
  }
};

export default [checkPlugin, instructorPlugin];
