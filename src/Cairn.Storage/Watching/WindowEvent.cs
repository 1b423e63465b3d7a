using Cairn.Core;

namespace Cairn.Storage.Watching;

/// <summary>One change in the window, with its event both as published and without its previous key-value, made once
/// at publish so that no watcher allocates to strip it.</summary>
internal readonly record struct WindowEvent(byte[] KeyUtf8, WatchEvent WithPrevKv, WatchEvent WithoutPrevKv);
