from planengine.cli import cli

cli(prog_name="plan")
