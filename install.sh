#!/usr/bin/env bash
# Packs dotnet-cifar from this checkout and installs it as a global .NET tool (re-running replaces the installed one).
set -euo pipefail
cd "$(dirname "$0")"
dotnet pack tool/Cifar.Cli -c Release --nologo -v quiet
dotnet tool uninstall --global dotnet-cifar >/dev/null 2>&1 || true
dotnet tool install --global --add-source artifacts/packages dotnet-cifar
case ":$PATH:" in
  *":$HOME/.dotnet/tools:"*) ;;
  *) echo "Add the tools folder to your PATH to call 'dotnet cifar':  export PATH=\"\$PATH:\$HOME/.dotnet/tools\"" ;;
esac
