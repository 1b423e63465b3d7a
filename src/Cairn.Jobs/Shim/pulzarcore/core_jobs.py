"""The base class of Pulzar-style jobs, as Cairn provides it.

A job subclasses ``CoreJobs`` and its module defines ``execute(arguments) -> bool``. Under Cairn the log is the job's
stdout and stderr, streamed to the job's log as it is written, so logging prints at once and the notification calls that
sent the log to Pulzar's master do nothing. Files a job stores go to ``CAIRN_JOB_OUTPUT``; Cairn keeps them as the job's
files. Written for Cairn (not Pulzar's code); standard library only.
"""

import json
import os
import shutil
import sys
from abc import ABCMeta

_OUTPUTS = []


def _outputs():
    return list(_OUTPUTS)


class CoreJobs(metaclass=ABCMeta):
    """Base class of a job: its parameters, its log, its outcome and its files."""

    def __init__(self, parameters, notification=False):
        # Pulzar ran a job locally (without its master) with local_exec = True; under Cairn both are the same.
        self.local_exec = False
        self.pulzar_parameters = parameters
        self._notification_enabled = notification
        params = parameters if isinstance(parameters, dict) else {}
        self._job_id = params.get('job_id')
        self._pulzar_config = params.get('_pulzar_config') or {'scheduled': False}
        self._failed_job = False
        self._pulzar_job_output = _OUTPUTS
        self._pulzar_data_file_path = os.environ.get('CAIRN_PULZAR_DATA_PATH') or None
        if parameters:
            self.pulzar_add_log(json.dumps(parameters, default=str))

    @property
    def parameters(self):
        """The job's arguments (another name for ``pulzar_parameters``)."""
        return self.pulzar_parameters

    @parameters.setter
    def parameters(self, value):
        self.pulzar_parameters = value

    def execute(self):
        """A job may define its work here; Cairn calls the module's ``execute(arguments)`` function."""
        return None

    def pulzar_add_log(self, message, bulk=False):
        """Adds to the job's log at once; with bulk=True, a list of messages."""
        if bulk and isinstance(message, (list, tuple)):
            for item in message:
                print(item, flush=True)
        else:
            print(message, flush=True)

    def add_log(self, message, bulk=False):
        """Same as ``pulzar_add_log``."""
        self.pulzar_add_log(message, bulk)

    def pulzar_set_output(self, output_str):
        """Adds to the job's output (its result: ``{"output": <the outputs, one per line>}``)."""
        _OUTPUTS.append(output_str)

    def _pulzar_store_file(self, file_name):
        """Returns a file with the job: Cairn stores it and lists it in the job's files."""
        directory = os.environ.get('CAIRN_JOB_OUTPUT')
        if not directory or not os.path.isfile(file_name):
            print('PULZAR_ERROR::cannot store file ' + str(file_name), file=sys.stderr, flush=True)
            return False
        name = os.path.basename(file_name)
        if name == 'result.json':
            name = 'result.json.file'
        shutil.copyfile(file_name, os.path.join(directory, name))
        self.pulzar_add_log('FILE: ' + name)
        return True

    def store_file(self, file_name):
        """Same as ``_pulzar_store_file``."""
        return self._pulzar_store_file(file_name)

    def pulzar_get_filepath(self):
        """The local path of the job's ``pulzar_data`` file, or None."""
        return self._pulzar_data_file_path

    def _pulzar_run_job(executor):
        """Decorator of a job's method: an exception marks the job failed and is logged as ``PULZAR_ERROR::<message>``."""

        def wrapper(self, *args, **kwargs):
            try:
                executor(self, *args, **kwargs)
            except Exception as err:
                self._mark_as_failed()
                self.pulzar_add_log('PULZAR_ERROR::' + str(err))
            self._pulzar_notification()
            return self.is_the_job_ok()

        return wrapper

    def is_the_job_ok(self):
        """Whether nothing marked the job failed."""
        return not self._failed_job

    def _mark_as_failed(self):
        self._failed_job = True

    def mark_as_failed(self):
        """Marks the job failed (its ``execute`` should then return ``is_the_job_ok()``)."""
        self._mark_as_failed()

    def _pulzar_notification(self):
        """Pulzar sent the log to its master here; Cairn's log has already gone out."""
        sys.stdout.flush()

    def notification(self):
        """Same as ``_pulzar_notification``."""
        self._pulzar_notification()
