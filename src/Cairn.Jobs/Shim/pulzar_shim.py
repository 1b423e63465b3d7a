"""Cairn's runner for Pulzar-style jobs.

Cairn starts it as ``python3 pulzar_shim.py <job file>`` with the job's arguments (a JSON object) on stdin. It loads the
job file as a module, adds ``job_id`` and ``_pulzar_config`` to the arguments as Pulzar's node did, and calls the file's
``execute(arguments)``. True (or None) is success: exit code 0. False is a failure the job reported: exit code 1. A raised
exception is a failure too: its traceback and then ``PULZAR_ERROR::<message>`` go to stderr, and the exit code is 1.

Written by Cairn (not Pulzar's code); the ``pulzarcore`` package beside it provides the ``CoreJobs`` base class the
seed's jobs import. Standard library only.
"""

import importlib.util
import json
import os
import sys
import traceback


def _one_line(err):
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0] if text else type(err).__name__


def _load(path):
    directory = os.path.dirname(os.path.abspath(path))
    # Helper modules beside the job import as they did in Pulzar's jobs directory.
    if directory not in sys.path:
        sys.path.insert(1, directory)
    name = '_pulzar_job_' + os.path.splitext(os.path.basename(path))[0].replace('-', '_').replace('.', '_')
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError('cannot load ' + path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _arguments():
    text = sys.stdin.read()
    params = json.loads(text) if text.strip() else {}
    if not isinstance(params, dict):
        raise ValueError('the job arguments are not a JSON object')
    raw_id = os.environ.get('CAIRN_JOB_ID', '0')
    params['job_id'] = int(raw_id) if raw_id.isdigit() else raw_id
    params['_pulzar_config'] = {'scheduled': bool(os.environ.get('CAIRN_JOB_RECURRING'))}
    return params


def _write_outputs():
    from pulzarcore import core_jobs
    outputs = core_jobs._outputs()
    directory = os.environ.get('CAIRN_JOB_OUTPUT')
    if not outputs or not directory:
        return
    target = os.path.join(directory, 'result.json')
    if os.path.exists(target):
        return
    with open(target, 'w', encoding='utf-8') as f:
        json.dump({'output': '\n'.join(str(o) for o in outputs)}, f)


def main(argv):
    if len(argv) != 2:
        print('usage: pulzar_shim.py <job file>', file=sys.stderr)
        return 2
    # The pulzarcore package ships beside this file.
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    try:
        params = _arguments()
        module = _load(argv[1])
        execute = getattr(module, 'execute', None)
        if not callable(execute):
            raise AttributeError('the job file has no execute(arguments) function')
        ok = execute(params)
        _write_outputs()
    except Exception as err:  # every failure of the job is reported the way Pulzar's node did
        sys.stdout.flush()
        traceback.print_exc(file=sys.stderr)
        print('PULZAR_ERROR::' + _one_line(err), file=sys.stderr)
        sys.stderr.flush()
        return 1
    sys.stdout.flush()
    if ok is False:
        print('job reported failure', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
