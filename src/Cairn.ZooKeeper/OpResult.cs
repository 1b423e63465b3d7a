namespace Cairn.ZooKeeper;

/// <summary>
/// The outcome of one operation of a multi, in the order of the operations: <see cref="CreateOpResult"/>,
/// <see cref="DeleteOpResult"/>, <see cref="SetDataOpResult"/>, <see cref="CheckOpResult"/>, or, when the multi failed,
/// <see cref="ErrorOpResult"/> for every operation.
/// </summary>
public abstract record OpResult;
